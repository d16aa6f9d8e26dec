package servicetrust

// DevSecret is the development default of INTERNAL_SECRET shared by the router and every
// subgraph, so `make up` works without configuration. Production refuses it (config.Env.Secret
// rejects a value equal to the development default).
const DevSecret = "fedstack-dev-internal-secret"

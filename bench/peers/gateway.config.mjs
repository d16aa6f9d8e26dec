// Hive Gateway configuration for `make bench-router`, with the settings of the public
// graphql-gateways-benchmark's hive-gateway (NODE_ENV=production and --jit are set by
// bench/run-router-bench.sh): inbound in-flight request deduplication on (identical
// concurrent requests share one execution; HIVE_INBOUND_DEDUP=0, which the
// hive-gateway-nodedup run sets, turns it off), and only errors logged.
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: process.env.HIVE_INBOUND_DEDUP !== '0',
  logging: 'error',
});

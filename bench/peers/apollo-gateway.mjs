// Apollo Gateway for `make bench-router`: @apollo/gateway behind @apollo/server's standalone
// HTTP server, one process (the public graphql-gateways-benchmark's setup without its cluster
// fork: the gateway gets one core here).
//
//   SUPERGRAPH=<supergraph SDL file> PORT=<port> node apollo-gateway.mjs
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway } from '@apollo/gateway';

const supergraphSdl = readFileSync(process.env.SUPERGRAPH || 'supergraph.graphql', 'utf8');
const gateway = new ApolloGateway({ supergraphSdl });
const server = new ApolloServer({ gateway });
const port = Number(process.env.PORT || 4200);
const host = process.env.HOST || '127.0.0.1';
const { url } = await startStandaloneServer(server, { listen: { port, host } });
console.log(JSON.stringify({ ready: true, url }));

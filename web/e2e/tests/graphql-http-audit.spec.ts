import { expect, test } from '@playwright/test';
import { auditServer } from 'graphql-http';

// The GraphQL-over-HTTP spec's audit suite (npm graphql-http, serverAudits) against the
// router of the running stack: no MUST may fail; the pass count is printed.
test('the router passes the GraphQL-over-HTTP audit', async () => {
  const url = process.env.E2E_ROUTER_URL;
  expect(url, 'E2E_ROUTER_URL is set by global-setup').toBeTruthy();
  const results = await auditServer({ url: url! });
  const ok = results.filter((r) => r.status === 'ok');
  const notOk = results.filter((r) => r.status !== 'ok');
  for (const r of notOk) {
    console.log(`${r.status}: ${r.name}: ${'reason' in r ? r.reason : ''}`);
  }
  console.log(`graphql-http audit: ${ok.length} of ${results.length} passed`);
  const mustFailures = notOk.filter((r) => r.name.startsWith('MUST'));
  expect(mustFailures.map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`)).toEqual([]);
});

// A second, independently certified OpenID provider for the tests: panva's oidc-provider (npm,
// pinned in package-lock.json), on loopback. Started by the `certified_provider` fixture
// (tests/eid/certified_provider.py), which passes its configuration as JSON in OIDC_TEST_CONFIG:
//
//   {"client_id": ..., "client_secret": ..., "redirect_uris": [...], "post_logout_redirect_uris": [...],
//    "accounts": {"<sub>": {<claims>}, ...}}
//
// It prints its issuer on the first line of stdout once it listens, and stops when stdin closes
// (so it never outlives the test session that started it).
//
// What it proves about the portal: with oidc-provider's defaults (conformIdTokenClaims), the claims
// a scope releases are in the UserInfo response only, never in the ID token, as OpenID Connect Core
// (5.4) has it for the code flow; the ID token carries `sub` and the protocol's claims. The sign-in
// pages are oidc-provider's own development interactions (a login form, then a consent form).
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG ?? '{}');
const accounts = new Map(Object.entries(config.accounts ?? {}));

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: config.redirect_uris,
      post_logout_redirect_uris: config.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    // PKCE for every client, confidential ones too (the portal always sends S256).
    pkce: { required: () => true },
    // The scopes and the claims each releases. `nin` is the national identity number, as brokers for
    // eParaksts Mobile and Smart-ID send it.
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name'],
      nin: ['nin'],
    },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const claims = accounts.get(id);
      if (claims === undefined) {
        return undefined;
      }
      return {
        accountId: id,
        async claims() {
          return { ...claims, sub: id };
        },
      };
    },
  });
  // Its warnings (development keys and interactions, in-memory storage: what a test provider is for) and
  // any error go to stderr, which the fixture shows when the provider does not start.
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));
  server.on('request', provider.callback());
  process.stdout.write(`${issuer}\n`);
});

process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();

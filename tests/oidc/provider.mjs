// A certified OpenID Connect provider (panva/oidc-provider) on loopback, for the tests of
// staff sign-in. Its clients and accounts come from the environment:
//   PORT            the port on 127.0.0.1
//   OIDC_CLIENTS    JSON list of {client_id, client_secret, redirect_uris}
//   OIDC_ACCOUNTS   JSON object: login -> {email, email_verified, amr?} (amr: the methods
//                   the provider says it used, e.g. ["pwd", "mfa"])
// Sign-in goes through the provider's own development pages (any password), which the
// tests fill in as a browser would.
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS);
const clients = JSON.parse(process.env.OIDC_CLIENTS).map((client) => ({
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_basic",
  ...client,
}));

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients,
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, email: account.email, email_verified: account.email_verified };
        return account.amr ? { ...claims, amr: account.amr } : claims;
      },
    };
  },
  claims: { openid: ["sub", "amr"], email: ["email", "email_verified"] },
  // The ID token carries the e-mail claims, so the portal needs no userinfo call.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  // ID tokens live ten minutes; the browser's cookies two hours, so that a provider whose
  // clock is an hour behind (the expired-token test) still completes its pages.
  ttl: {
    IdToken: 600,
    AccessToken: 600,
    AuthorizationCode: 60,
    Session: 7200,
    Interaction: 7200,
    Grant: 7200,
  },
  cookies: { keys: ["portal-tests-only"] },
});
provider.proxy = false;

// The development login pages say nothing of how the user signed in; an account listed with
// `amr` gets it on its login, as a provider that asked for a second factor would record it.
provider.use(async (ctx, next) => {
  const resumed = ctx.path.match(/^\/auth\/([^/]+)$/);
  if (resumed) {
    const interaction = await provider.Interaction.find(resumed[1]);
    const login = interaction?.result?.login;
    if (login && accounts[login.accountId]?.amr) {
      login.amr = accounts[login.accountId].amr;
      await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
    }
  }
  await next();
});
provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider on ${provider.issuer}`));

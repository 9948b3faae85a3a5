import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { newOidcKeyRing } from '../oidc/signing-keyring';
import { createOidcKeyProvisioner } from './provisioner';

export { createOidcKeyProvisioner, holdsOidcKeyRing } from './provisioner';

/** Deploy-time custom resource that puts the OIDC signing key ring into its secret when absent. */
export const handler = createOidcKeyProvisioner({
  secrets: new SecretsManagerClient({}),
  generate: newOidcKeyRing,
  log: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
});

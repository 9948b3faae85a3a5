import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateSpCredential } from '../saml/sp-credentials';
import { createHandler } from './provisioner';

export { createHandler, holdsSpCredential } from './provisioner';

/** Deploy-time custom resource that puts an SP key pair into its secret (lib/constructs/sp-credential.ts). */
export const handler = createHandler({
  secrets: new SecretsManagerClient({}),
  generate: generateSpCredential,
  log: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
});

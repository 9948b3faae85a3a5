import { SSMClient } from '@aws-sdk/client-ssm';
import { createHandler, ssmPublishedUrlStore } from './url-guard';

export { createHandler, ssmPublishedUrlStore, urlChangeRefusal } from './url-guard';

/** Deploy-time guard against a changed public URL (lib/constructs/public-url-guard.ts). */
export const handler = createHandler({
  store: ssmPublishedUrlStore(new SSMClient({})),
  log: (message, fields) => console.log(JSON.stringify({ level: 'info', message, ...fields })),
});

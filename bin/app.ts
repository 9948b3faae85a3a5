import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { retiredContextProblem, stageConfigFor } from '../lib/config/stages';
import { NatomaSsoStack } from '../lib/stacks/natoma-sso-stack';

const app = new App();
// A stage is committed data (lib/config/stages.ts); `-c env=NAME` only picks one.
const { stageName, config } = stageConfigFor(app.node.tryGetContext('env') ?? 'dev');
const retired = retiredContextProblem((key) => app.node.tryGetContext(key));
if (retired) throw new Error(retired);

const stack = new NatomaSsoStack(app, `NatomaSso-${stageName}`, {
  stageName,
  config,
  // One deploy's permission to move the public URL (docs/operations.md, "Changing the public URL").
  acceptPublicUrlChange: app.node.tryGetContext('acceptPublicUrlChange'),
  description: `natoma-sso (${stageName}): multi-tenant SAML 2.0 SSO, SCIM 2.0 provisioning, OpenID Connect for apps and directory events`,
});
for (const tagged of [stack, stack.edgeStack]) {
  if (!tagged) continue;
  Tags.of(tagged).add('project', 'natoma-sso');
  Tags.of(tagged).add('stage', stageName);
}

// Unacknowledged AwsSolutions findings fail the synth, as they fail the tests.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

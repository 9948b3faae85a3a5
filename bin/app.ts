import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfigFor, withContextOverrides } from '../lib/config/stages';
import { NatomaSsoStack } from '../lib/stacks/natoma-sso-stack';

const app = new App();
const selected = stageConfigFor(app.node.tryGetContext('env') ?? 'dev');
const stageName = selected.stageName;
// Optional `-c alarmEmail=… -c domainName=… -c certificateArn=…` (see overrideKeys) on top of the stage's data.
const config = withContextOverrides(selected.config, (key) => app.node.tryGetContext(key));

const stack = new NatomaSsoStack(app, `NatomaSso-${stageName}`, {
  stageName,
  config,
  description: `natoma-sso (${stageName}): multi-tenant SAML 2.0 SSO and SCIM 2.0 provisioning`,
});
Tags.of(stack).add('project', 'natoma-sso');
Tags.of(stack).add('stage', stageName);

// Unacknowledged AwsSolutions findings fail the synth, as they fail the tests.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

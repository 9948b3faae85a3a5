// One test file for the synthesized stack: each worker imports aws-cdk-lib once (seconds of import)
// and `synth` memoizes templates, so the suites share them. The suites live beside this file.
import './stages.suite';
import './api.suite';
import './functions.suite';
import './table.suite';
import './secrets-and-grants.suite';
import './alarms-and-outputs.suite';
import './maintenance.suite';
import './stateful-ids.suite';
import './url-guard.suite';
import './deployments.suite';
import './waf.suite';
import './events-and-oidc.suite';
import './nag.suite';

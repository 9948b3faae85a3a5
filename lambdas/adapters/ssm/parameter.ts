import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** Reads one plain String parameter (stack-published configuration, never a secret). */
export async function readParameter(client: SSMClient, name: string): Promise<string> {
  const result = await client.send(new GetParameterCommand({ Name: name }));
  const value = result.Parameter?.Value;
  if (!value) throw new Error(`SSM parameter ${name} is empty or missing`);
  return value;
}

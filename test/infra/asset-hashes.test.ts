import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { NatomaSsoStack } from '../../lib/stacks/natoma-sso-stack';
import { cdkContext, testConfig } from './synth';

const scratch = mkdtempSync(join(tmpdir(), 'natoma-assets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A real synth (esbuild bundling on) of prod into `outdir`: the S3 key (content hash) of each function's code, by logical ID. */
function lambdaCodeHashes(outdir: string): Record<string, string> {
  const app = new App({ outdir, context: { ...cdkContext, env: 'prod' } });
  new NatomaSsoStack(app, 'NatomaSso-prod', { stageName: 'prod', config: testConfig('prod') });
  const template = app.synth().getStackByName('NatomaSso-prod').template as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id, resource]) => [id, String(resource.Properties.Code?.S3Key)]),
  );
}

describe('Lambda assets', () => {
  const first = join(scratch, 'cdk.out');
  const second = join(scratch, 'some', 'deeper', 'output');
  let firstHashes: Record<string, string>;

  it('are byte-identical whatever the output folder (`cdk synth -o DIR`)', () => {
    firstHashes = lambdaCodeHashes(first);
    const secondHashes = lambdaCodeHashes(second);
    expect(Object.keys(firstHashes).length).toBeGreaterThanOrEqual(6);
    expect(secondHashes).toEqual(firstHashes);
  }, 180_000);

  it('carry source maps whose paths are relative to the repository, not to the output folder', () => {
    const assetDirs = readdirSync(first).filter((name) => name.startsWith('asset.'));
    const maps = assetDirs.flatMap((dir) => readdirSync(join(first, dir)).filter((file) => file.endsWith('.map')).map((file) => join(first, dir, file)));
    expect(maps.length).toBeGreaterThanOrEqual(5);
    for (const mapFile of maps) {
      const { sources, sourceRoot } = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; sourceRoot?: string };
      expect(sourceRoot).toBeUndefined();
      expect(sources.some((source) => source.startsWith('lambdas/'))).toBe(true);
      for (const source of sources) expect(source, mapFile).not.toMatch(/cdk\.out|^\//);
    }
  });
});

/**
 * The AWS SDK warns on Node 20 that its releases after January 2027 will need Node 22: ten lines on
 * stderr at every start of the twin and the CLI, which support Node 20. The SDK's own switch turns
 * that one warning off (set it to anything but "true" in the environment to see it again).
 */
export function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * oidc-provider warns at import on Node 20 ("Unsupported runtime": it supports Node 22 LTS, which Lambda runs);
 * the twin supports Node 20, so its one line is dropped while the OIDC surface loads. Every other warning passes.
 */
export async function importWithoutRuntimeWarning<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING: Unsupported runtime')) return;
    warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}

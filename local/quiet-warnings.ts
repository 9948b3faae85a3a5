/**
 * The AWS SDK warns on Node 20 that its releases after January 2027 will need Node 22: ten lines on
 * stderr at every start of the twin and the CLI, which support Node 20. The SDK's own switch turns
 * that one warning off (set it to anything but "true" in the environment to see it again).
 */
export function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

// Placeholder so the CDK stack and the bundle bench can reference this entry (issue 9, contract C5);
// the real handler replaces this file on merge.
export const handler = async (): Promise<never> => {
  throw new Error('not built yet');
};

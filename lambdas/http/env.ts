import { z } from 'zod/v3';

/** Validates the Lambda environment once, at cold start: a bad deploy fails loudly, not a request. */
export function loadEnv<T extends z.ZodTypeAny>(schema: T, source: Record<string, string | undefined> = process.env): z.infer<T> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const names = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`invalid lambda environment, check: ${names}`);
  }
  return result.data;
}

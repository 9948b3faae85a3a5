// The few parts of oidc-provider@9 (untyped JavaScript) this surface uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContextWithOIDC {
    oidc: {
      session?: { accountId?: string; sidFor(clientId: string, value?: string): string | undefined };
      client?: { clientId: string; postLogoutRedirectUris?: string[] };
      params?: Record<string, unknown>;
      result?: { login?: { accountId?: string } };
      route?: string;
      entities?: Record<string, unknown>;
    };
    cookies: { get(name: string, options?: { signed?: boolean }): string | undefined };
    method: string;
    path: string;
    status: number;
    type: string;
    body: unknown;
    set(name: string, value: string): void;
    state: Record<string, unknown>;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
    /** When the interaction started (epoch seconds). */
    iat?: number;
    /** When it expires (epoch seconds). */
    exp: number;
    returnTo: string;
    result?: Record<string, unknown>;
    /** Stores the interaction (with its `result`) for `ttl` seconds. */
    save(ttl: number): Promise<string>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    Client: { prototype: Record<string, unknown> };
    Grant: new (options: { accountId: string; clientId: string }) => {
      addOIDCScope(scope: string): void;
      addOIDCClaims(claims: string[]): void;
      save(): Promise<string>;
    };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
  }

  export namespace interactionPolicy {
    class Check {
      static NO_NEED_TO_PROMPT: boolean;
      static REQUEST_PROMPT: boolean;
      constructor(reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>);
    }
    interface Prompt {
      checks: { add(check: Check, index?: number): void };
    }
    interface Policy {
      get(name: string): Prompt | undefined;
      remove(name: string): void;
    }
    function base(): Policy;
  }

  export const errors: Record<string, new (...args: unknown[]) => Error>;
  export default Provider;
}

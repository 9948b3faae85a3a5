import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../core/secrets';

export interface SecretsManagerSecretStoreOptions {
  /** Waits between CreateSecret attempts while a just-deleted secret of the same name is still going away. */
  readonly retryDelaysMs?: readonly number[];
}

const nameOf = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;
const isNotFound = (error: unknown): boolean => error instanceof ResourceNotFoundException || nameOf(error) === 'ResourceNotFoundException';
// Force deletion completes asynchronously: for a few seconds the name still reads as "scheduled/marked for deletion".
const isPendingDeletion = (error: unknown): boolean =>
  (error instanceof InvalidRequestException || nameOf(error) === 'InvalidRequestException') && /(scheduled|marked) for deletion/i.test((error as Error).message);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SecretStore over AWS Secrets Manager. Secrets this store writes first (per-tenant SCIM token
 * hashes) are created on first put; the SP credential secret is created by the stack.
 *
 * Deletion is immediate (ForceDeleteWithoutRecovery): the secrets written here hold hashes of
 * credentials that were revoked or disabled, and a recovery window would only let them come back.
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    options: SecretsManagerSecretStoreOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? [250, 500, 1000, 2000, 4000];
  }

  async get(name: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      if (result.SecretString !== undefined) return result.SecretString;
      return result.SecretBinary ? Buffer.from(result.SecretBinary).toString('utf8') : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async put(name: string, value: string): Promise<void> {
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      return;
    } catch (error) {
      if (!isNotFound(error) && !isPendingDeletion(error)) throw error;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (!isPendingDeletion(error) || delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  /** Deletes at once, without a recovery window; a secret that does not exist is not an error. */
  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}

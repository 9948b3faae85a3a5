import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../../core/secrets';

export interface SecretsManagerSecretStoreOptions {
  /**
   * Days Secrets Manager keeps a deleted secret recoverable (7 to 30).
   * @default - 7 days: a revoked SCIM token's hash secret can be restored by an operator for a week
   */
  readonly recoveryWindowDays?: number;
}

const isMarkedForDeletion = (error: unknown): boolean =>
  (error instanceof InvalidRequestException || (error as { name?: string } | undefined)?.name === 'InvalidRequestException') &&
  /marked for deletion/i.test((error as Error).message);

const isNotFound = (error: unknown): boolean =>
  error instanceof ResourceNotFoundException || (error as { name?: string } | undefined)?.name === 'ResourceNotFoundException';

/**
 * SecretStore over AWS Secrets Manager. Secrets created here (per-tenant SCIM token hashes) are
 * created on first put; the SP credential secret is created by the stack and only written here.
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly recoveryWindowDays: number;

  constructor(
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    options: SecretsManagerSecretStoreOptions = {},
  ) {
    this.recoveryWindowDays = options.recoveryWindowDays ?? 7;
    if (this.recoveryWindowDays < 7 || this.recoveryWindowDays > 30) {
      throw new Error(`recoveryWindowDays must be between 7 and 30, got ${this.recoveryWindowDays}`);
    }
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
    const putValue = () => this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    try {
      await putValue();
    } catch (error) {
      if (isMarkedForDeletion(error)) {
        // Deleted within its recovery window (e.g. SCIM disabled, then enabled again): restore, then write.
        await this.client.send(new RestoreSecretCommand({ SecretId: name }));
        await putValue();
        return;
      }
      if (!isNotFound(error)) throw error;
      await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    }
  }

  /** Schedules deletion with the recovery window; a secret that does not exist is not an error. */
  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: this.recoveryWindowDays }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
}

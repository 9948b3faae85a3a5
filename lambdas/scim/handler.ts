// placeholder until the scim handler lands
import type { HttpEvent, HttpResult } from '../http/request';

export const handler = async (_event: HttpEvent): Promise<HttpResult> => ({ statusCode: 503, body: 'not deployed yet' });

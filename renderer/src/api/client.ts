// The one `api` object of the renderer: it cannot tell which transport carries it.
import { createApiClient } from '../../../app/contract/rpc-client';
import { pageTransport } from './transports';

const picked = pageTransport();

export const api = createApiClient(picked.transport);
export const transportKind = picked.kind;

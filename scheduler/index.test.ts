import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startScheduler } from './index';
import { RestClient } from '../client/rest-client';

test('startScheduler refuses a bad configuration before touching the API', async () => {
  // Nothing listens here: a request would fail with a connection error, not the configuration error.
  const client = new RestClient({ server: 'http://127.0.0.1:9' });
  try {
    await assert.rejects(
      startScheduler({ client, log: () => {}, config: { profiles: [{ plugins: { filter: { enabled: [{ name: 'NoSuchPlugin' }] } } }] } }),
      /unknown plugin "NoSuchPlugin"/,
    );
    await assert.rejects(
      startScheduler({ client, log: () => {}, config: { profiles: [{ schedulerName: 'a' }, { schedulerName: 'a' }] } }),
      /two profiles named a/,
    );
  } finally {
    client.close();
  }
});

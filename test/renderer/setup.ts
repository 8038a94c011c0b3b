// Vitest setup of the renderer project: the page's backend before anything imports the api client, then a
// fresh store and an unmounted page after every test.
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { installPageBackend, resetBackend } from './page-backend';

installPageBackend();
const { useStore } = await import('../../renderer/src/store/store');
const initial = useStore.getState();

afterEach(() => {
  cleanup();
  resetBackend();
  useStore.setState(initial, true);
});

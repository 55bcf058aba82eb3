import { describe, expect, it } from 'vitest';
import { keytarVault, loadKeytar, type KeytarLike } from '../../../main/services/vault';

/** A keytar in memory with keytar's own signatures. */
function fakeKeytar(): KeytarLike & { store: Map<string, string> } {
  const store = new Map<string, string>();
  const id = (service: string, account: string) => `${service}\u0000${account}`;
  return {
    store,
    getPassword: async (s, a) => store.get(id(s, a)) ?? null,
    setPassword: async (s, a, p) => void store.set(id(s, a), p),
    deletePassword: async (s, a) => store.delete(id(s, a)),
    findCredentials: async (s) =>
      [...store]
        .filter(([k]) => k.startsWith(`${s}\u0000`))
        .map(([k, password]) => ({ account: k.slice(s.length + 1), password })),
  };
}

describe('loadKeytar', () => {
  it('is null where keytar is not installed (an install without libsecret still succeeds)', async () => {
    const missing = Object.assign(new Error("Cannot find package 'keytar'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(await loadKeytar(() => Promise.reject(missing))).toBeNull();
  });

  it('is null when the native binding fails to load', async () => {
    expect(
      await loadKeytar(() => Promise.reject(new Error('libsecret-1.so.0: cannot open'))),
    ).toBeNull();
  });

  it('is null for a module that is not keytar', async () => {
    expect(await loadKeytar(async () => ({ default: { hello: 'world' } }))).toBeNull();
  });

  it("takes keytar's CommonJS export from an ES import, and the vault works through it", async () => {
    const keytar = fakeKeytar();
    const loaded = await loadKeytar(async () => ({ default: keytar }));
    expect(loaded).toBe(keytar);
    const vault = keytarVault(loaded!, 'Airtime-unit');
    await vault.set('+12065550100', 'refresh-token');
    expect(await vault.get('+12065550100')).toBe('refresh-token');
    expect(await vault.list()).toEqual([{ account: '+12065550100', secret: 'refresh-token' }]);
    await vault.delete('+12065550100');
    expect(await vault.list()).toEqual([]);
  });
});

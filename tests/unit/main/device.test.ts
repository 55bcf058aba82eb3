import { describe, expect, it } from 'vitest';
import { DeviceInfo } from '../../../contract/http/auth';
import {
  PhoneSecrets,
  REMEMBERED_DEVICE,
  deviceAccount,
  deviceInfo,
} from '../../../main/services/device';
import { memoryVault } from '../../../main/services/vault';
import { PHONE, memoryLog, newOpaqueToken } from './support/fakes';

const ID = '5b1f3c1e-8f7a-4c2b-9d7e-2a4f6c8e0b13';

describe('deviceInfo', () => {
  it('describes this computer within the contract’s limits', () => {
    const info = deviceInfo({ id: () => ID, name: () => 'maria-laptop', appVersion: '0.1.0' });
    expect(info).toEqual({ id: ID, name: 'maria-laptop', appVersion: '0.1.0' });
    expect(DeviceInfo.safeParse(info).success).toBe(true);
  });

  it('cuts a long host name, cleans control characters, and names a nameless computer', () => {
    const long = deviceInfo({
      id: () => ID,
      name: () => `\t${'x'.repeat(100)}\n`,
      appVersion: '1',
    });
    expect(long.name).toBe('x'.repeat(64));
    expect(deviceInfo({ id: () => ID, name: () => 'a\u0000b', appVersion: '1' }).name).toBe('a b');
    for (const name of [
      () => '',
      () => '   ',
      () => {
        throw new Error('no hostname');
      },
    ]) {
      const info = deviceInfo({ id: () => ID, name, appVersion: '1' });
      expect(info.name).toBe('Airtime desktop');
      expect(DeviceInfo.safeParse(info).success).toBe(true);
    }
    const version = deviceInfo({
      id: () => ID,
      name: () => 'pc',
      appVersion: `1.${'0'.repeat(40)}`,
    });
    expect(DeviceInfo.safeParse(version).success).toBe(true);
  });
});

describe('PhoneSecrets for remembered computers', () => {
  it('keeps one token per phone under device:<phone>, and never throws', async () => {
    const vault = memoryVault();
    const devices = new PhoneSecrets(vault, memoryLog(), REMEMBERED_DEVICE);
    const token = newOpaqueToken();
    await devices.keep(PHONE, token);
    expect([...vault.entries.keys()]).toEqual([deviceAccount(PHONE)]);
    expect(await devices.get(PHONE)).toBe(token);
    expect(await devices.get('+13125550142')).toBeUndefined();
    await devices.forget(PHONE);
    expect(vault.entries.size).toBe(0);

    vault.get = async () => {
      throw new Error('locked');
    };
    vault.delete = async () => {
      throw new Error('locked');
    };
    expect(await devices.get(PHONE)).toBeUndefined();
    await expect(devices.forget(PHONE)).resolves.toBeUndefined();
  });

  it('without a keychain does nothing', async () => {
    const devices = new PhoneSecrets(null, memoryLog(), REMEMBERED_DEVICE);
    expect(devices.available).toBe(false);
    await devices.keep(PHONE, newOpaqueToken());
    expect(await devices.get(PHONE)).toBeUndefined();
  });
});

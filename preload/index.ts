import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildBridge } from './bridge';

/**
 * The sandboxed preload: exposes exactly one function per IPC channel and one `on()` for push
 * events. Raw `ipcRenderer` never reaches the page.
 */
const api = buildBridge(
  (channel, input) => ipcRenderer.invoke(channel, input),
  (event, listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  },
);

contextBridge.exposeInMainWorld('airtime', api);

export type { AirtimeApi } from './bridge';

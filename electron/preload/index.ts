// Preload (sandboxed, context-isolated): exposes exactly the contract's methods as window.rtcw.
import { contextBridge, ipcRenderer } from 'electron';
import { buildRtcw } from './rtcwBridge';

contextBridge.exposeInMainWorld('rtcw', buildRtcw(ipcRenderer));

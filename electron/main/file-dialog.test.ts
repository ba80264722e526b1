import { describe, expect, it } from 'vitest';
import { chosenPaths, nativeDialog } from './file-dialog';

describe('native file dialogs', () => {
  it('opens several files or one folder, with the request’s title, start and filters', () => {
    expect(nativeDialog({ mode: 'open-files', title: 'Import bars', filters: [{ name: 'Bars', extensions: ['csv', 'dbn.zst', 'parquet'] }] })).toEqual({
      title: 'Import bars',
      filters: [{ name: 'Bars', extensions: ['csv', 'dbn.zst', 'parquet'] }],
      properties: ['openFile', 'multiSelections'],
    });
    expect(nativeDialog({ mode: 'open-folder', title: 'Repository', defaultPath: '/home/q/config' })).toEqual({ title: 'Repository', defaultPath: '/home/q/config', properties: ['openDirectory', 'createDirectory'] });
  });

  it('refuses a malformed request from the page, naming the field', () => {
    expect(() => nativeDialog({ mode: 'delete', title: 'x' })).toThrow(/file dialog request: mode:/);
    expect(() => nativeDialog({ mode: 'save', title: 'x' })).toThrow(/file dialog request: mode:/);
    expect(() => nativeDialog({ mode: 'open-files', title: '' })).toThrow(/title/);
    expect(() => nativeDialog({ mode: 'open-files', title: 't', filters: [{ name: 'x', extensions: ['.csv'] }] })).toThrow(/filters\.0\.extensions\.0: an extension without the dot/);
    expect(() => nativeDialog({ mode: 'open-files', title: 't', properties: ['openDirectory'] })).toThrow(/file dialog request/);
    expect(() => nativeDialog(null)).toThrow(/file dialog request: request:/);
  });

  it('returns the chosen paths, and none when cancelled', () => {
    expect(chosenPaths({ canceled: false, filePaths: ['/a.csv', '/b.csv'] })).toEqual(['/a.csv', '/b.csv']);
    expect(chosenPaths({ canceled: true, filePaths: ['/a.csv'] })).toEqual([]);
  });
});

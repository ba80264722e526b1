/** Tray icons, one per trading state: 16×16 PNG discs in the status bar's colours (green, amber, red). */
export const TRAY_ICONS: Record<'active' | 'reducing' | 'halted', string> = {
  active: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAZ0lEQVR42mPQW+DMQAnGJigLxB1AfBmIf0HxZaiYLCEDUqAa/uPAv6BqsBqQgkcjOk5BN0CWgM3YXCKLbEAHCZphuAPZgMtkGHAZ2YBfZBjwi6oGUOwFigOR4mikOCFRJSlTJTORjAEjd6sUbLgWCQAAAABJRU5ErkJggg==',
  reducing: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAaElEQVR42mN4tkCEgRKMTVAWiDuA+DIQ/4Liy1AxWUIGpEA1/MeBf0HVYDUgBY9GdJyCboAsAZuxuUQW2YAOEjTDcAeyAZfJMOAysgG/yDDgF1UNoNgLFAcixdFIcUKiSlKmSmYiGQMAp1A0IyAsoDIAAAAASUVORK5CYII=',
  halted: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAZ0lEQVR42mO4Y6TPQAnGJigLxB1AfBmIf0HxZaiYLCEDUqAa/uPAv6BqsBqQgkcjOk5BN0CWgM3YXCKLbEAHCZphuAPZgMtkGHAZ2YBfZBjwi6oGUOwFigOR4mikOCFRJSlTJTORjAFgvdcU4DklcQAAAABJRU5ErkJggg==',
};

/**
 * Float32 neighbours, for turning another library's split tests into the `x < threshold` that
 * Quantdesk's trees and ONNX's BRANCH_LT apply to float32 inputs.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 next to a float32 value, upward (`up`) or downward. */
function step32(x: number, up: boolean): number {
  if (x === 0 && up) return 1.401298464324817e-45;
  f32[0] = x;
  u32[0] = (x > 0) === up ? u32[0]! + 1 : u32[0]! - 1;
  return f32[0]!;
}

/** The smallest float32 strictly above a float32 value. */
export const nextUp32 = (x: number): number => step32(x, true);

/**
 * A threshold t′ such that, for every float32 x, x <= t holds exactly when x < t′ (t a double, as
 * LightGBM and CatBoost write their thresholds): the next float32 above the largest float32 not
 * above t.
 */
export function strictThreshold(t: number): number {
  let down = Math.fround(t);
  if (down > t) down = step32(down, false);
  return nextUp32(down);
}

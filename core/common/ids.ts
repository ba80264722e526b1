/**
 * The names the app gives what it stores: one pattern per kind, used where a name is made and again
 * wherever one comes back from outside (a bundle, a file, a client), since each becomes a folder or
 * file name in the home.
 */

/** A model id (`models/<id>/`). */
export const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A stored config's name: strategy configs (`strategies/<name>.yml`) and feature sets (`feature-sets/<name>.yml`). */
export const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A stored portfolio's id (`lake/gold/portfolios/<id>/`). */
export const PORTFOLIO_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** A model version: a whole number from 1. */
export const isModelVersion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

import type { SolvedChain } from './chain';

/** An option chain of a futures symbol at a moment, as the Options view and `quantdesk options chain` show it. */
export interface OptionChainView {
  symbol: string;
  /** The moment, epoch ms. */
  at: number;
  /** Trading date of the session the moment falls in. */
  session: string;
  /** The futures contract front that session (the roll table's); only its options are read. */
  contract: string;
  /** Other contracts whose options the lake holds for the session, left out (roll week: the expiring contract's). */
  leftOut: string[];
  /** The settings the chains were solved with. */
  dte: number;
  maxAgeSeconds: number;
  rate: number;
  multiplier: number;
  /** One solved chain per expiry within `dte` days, nearest first. */
  chains: SolvedChain[];
  /** Gamma exposure by strike summed over the chains, strikes ascending. */
  profile: { strikes: Float64Array; gex: Float64Array };
}

/** One session of the options QA check. */
export interface OptionsQaSession {
  date: string;
  /** The futures contract front that session, or null where the roll table has none. */
  front: string | null;
  /** Underlying contracts of the options stored for the session. */
  contracts: string[];
  /** Whether every option stored for the session is on its front contract. */
  ok: boolean;
}

/** Sessions whose stored options reference another contract than the session's futures. */
export interface OptionsQaReport {
  symbol: string;
  root: string;
  sessions: OptionsQaSession[];
  /** Sessions that are not ok. */
  mismatched: number;
}

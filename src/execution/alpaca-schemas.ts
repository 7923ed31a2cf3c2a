import { z } from 'zod';

/**
 * Alpaca Trading API v2 wire formats (only the fields we use; others pass through). Numbers come as
 * decimal strings; nullable fields are null when unset.
 */
const decimal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `expected a decimal, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});
const optionalDecimal = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : Number(v)));

export const AlpacaOrderSchema = z.looseObject({
  id: z.string(),
  client_order_id: z.string(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  submitted_at: z.string().nullish(),
  filled_at: z.string().nullish(),
  symbol: z.string(),
  qty: optionalDecimal,
  filled_qty: decimal,
  filled_avg_price: optionalDecimal,
  order_type: z.string().optional(),
  type: z.string(),
  side: z.enum(['buy', 'sell']),
  time_in_force: z.string(),
  limit_price: optionalDecimal,
  stop_price: optionalDecimal,
  status: z.string(),
  replaced_by: z.string().nullish(),
  replaces: z.string().nullish(),
});
export type AlpacaOrder = z.infer<typeof AlpacaOrderSchema>;

export const AlpacaAccountSchema = z.looseObject({
  id: z.string().optional(),
  status: z.string().optional(),
  currency: z.string().optional(),
  cash: decimal,
  equity: decimal,
  buying_power: decimal,
});

export const AlpacaClockSchema = z.looseObject({
  timestamp: z.string(),
  is_open: z.boolean(),
  next_open: z.string(),
  next_close: z.string(),
});

export const AlpacaPositionSchema = z.looseObject({
  symbol: z.string(),
  qty: decimal,
  avg_entry_price: decimal,
  market_value: optionalDecimal,
  side: z.string().optional(),
});

export const AlpacaErrorSchema = z.looseObject({ code: z.number().optional(), message: z.string() });

/** One message of the trade stream: {stream, data}. */
export const TradeStreamMessageSchema = z.looseObject({
  stream: z.string(),
  data: z.unknown(),
});

export const TradeUpdateSchema = z.looseObject({
  event: z.string(),
  execution_id: z.string().nullish(),
  order: AlpacaOrderSchema,
  timestamp: z.string().nullish(),
  price: optionalDecimal,
  qty: optionalDecimal,
  position_qty: optionalDecimal,
});
export type TradeUpdate = z.infer<typeof TradeUpdateSchema>;

export const AuthorizationSchema = z.looseObject({
  status: z.string(),
  action: z.string().optional(),
});

import { type Static, Type } from 'typebox';
import { Id } from './common.js';

export const StockLevel = Type.Object({ productId: Id, available: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
export type StockLevel = Static<typeof StockLevel>;

export const SetStockBody = Type.Object({ available: Type.Integer({ minimum: 0, maximum: 1_000_000 }) }, { additionalProperties: false });

export const StockParams = Type.Object({ productId: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

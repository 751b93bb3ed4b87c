import { type Static, Type } from 'typebox';
import { Cents, Currency, Id } from './common.js';

export const Product = Type.Object(
  {
    id: Id,
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ maxLength: 4000 }),
    priceCents: Cents,
    currency: Currency,
    category: Id,
    imageUrl: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export type Product = Static<typeof Product>;

export const Category = Type.Object({ id: Id, name: Type.String() }, { additionalProperties: false });
export type Category = Static<typeof Category>;

export const ProductListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Searches name and description' })),
    category: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ProductListQuery = Static<typeof ProductListQuery>;

export const ProductPage = Type.Object({
  items: Type.Array(Product),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ProductPage = Static<typeof ProductPage>;

export const CategoryList = Type.Object({ items: Type.Array(Category) });
export type CategoryList = Static<typeof CategoryList>;

export const ProductParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/** What an admin sends to create a product; the id is made from the SKU when not given. */
export const ProductInput = Type.Object(
  {
    id: Type.Optional(Id),
    sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    description: Type.String({ maxLength: 4000 }),
    priceCents: Cents,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    category: Id,
    imageUrl: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ProductInput = Static<typeof ProductInput>;

/** A partial update: any of the fields, at least one. */
export const ProductPatch = Type.Object(
  {
    sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    priceCents: Type.Optional(Cents),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    category: Type.Optional(Id),
    imageUrl: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProductPatch = Static<typeof ProductPatch>;

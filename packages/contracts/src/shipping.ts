import { type Static, Type } from 'typebox';
import { Id } from './common.js';

export const Delivery = Type.Object(
  {
    orderId: Id,
    status: Type.Union([Type.Literal('SCHEDULED'), Type.Literal('IN_TRANSIT'), Type.Literal('DELIVERED')]),
    droneId: Id,
    eta: Type.String({ description: 'When the drone is expected to arrive (ISO 8601)' }),
  },
  { additionalProperties: false },
);
export type Delivery = Static<typeof Delivery>;

export const DeliveryParams = Type.Object({ orderId: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

export const Notification = Type.Object(
  { id: Id, kind: Type.String(), subject: Type.String(), body: Type.String(), createdAt: Type.String() },
  { additionalProperties: false },
);
export const NotificationList = Type.Object({ items: Type.Array(Notification) });

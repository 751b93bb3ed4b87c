import type { MessagingTables } from '@microshop/messaging';

export interface DroneTable {
  id: string;
  name: string;
  /** Deliveries assigned and not yet arrived. */
  load: number;
}

export interface DeliveryTable {
  order_id: string;
  user_id: string;
  drone_id: string;
  status: 'SCHEDULED' | 'IN_TRANSIT' | 'DELIVERED';
  depart_at: number;
  arrive_at: number;
  created_at: string;
  updated_at: string;
  /** The trace the flight was scheduled in (null before tracing, or when nothing was traced). */
  traceparent: string | null;
}

export interface ShippingDatabase extends MessagingTables {
  drones: DroneTable;
  deliveries: DeliveryTable;
}

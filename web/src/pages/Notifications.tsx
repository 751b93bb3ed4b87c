import { type Notification, useApi } from '../api';
import { Loading, Notice, PageTitle } from '../components/ui';
import { dateTime } from '../format';

export function Notifications() {
  const { data, error } = useApi<{ items: Notification[] }>('/api/notifications');
  const items = data?.items ?? null;
  return (
    <>
      <PageTitle>Notifications</PageTitle>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {!items && !error ? <Loading label="Loading your messages" /> : null}
      {items && items.length === 0 ? <p className="empty">No messages yet. You will hear from us when an order is confirmed, cancelled or delivered.</p> : null}
      {items && items.length > 0 ? (
        <ul className="messages">
          {items.map((n) => (
            <li key={n.id} className={`message message-${n.kind}`}>
              <p className="message-subject">{n.subject}</p>
              <p>{n.body}</p>
              <p className="muted">{dateTime(n.createdAt)}</p>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

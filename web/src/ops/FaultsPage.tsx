import type { operations } from '@microshop/contracts';
import { type FormEvent, useState } from 'react';
import { api, describeError } from '../api';
import { Field, Loading, Notice } from '../components/ui';
import { useAdmin } from './use-admin';

type Fault = operations.FaultView;

/**
 * Faults the gateway injects into one service's requests (like Envoy's fault filter): a share
 * delayed, a share answered with an error instead of forwarded. Off until an admin sets one.
 */
export function FaultsPage() {
  const faults = useAdmin<operations.FaultList>('/api/admin/faults', 5_000);
  const status = useAdmin<{ services: Array<{ name: string }> }>('/api/admin/status');
  const [service, setService] = useState('');
  const [delayMs, setDelayMs] = useState('0');
  const [delayPercent, setDelayPercent] = useState('0');
  const [abortStatus, setAbortStatus] = useState('503');
  const [abortPercent, setAbortPercent] = useState('0');
  const [message, setMessage] = useState<{ kind: 'info' | 'error'; text: string } | null>(null);
  const services = status.data?.services.map((s) => s.name) ?? [];
  const chosen = service || services[0] || '';

  const inject = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const body = { delayMs: Number(delayMs), delayPercent: Number(delayPercent), abortStatus: Number(abortStatus), abortPercent: Number(abortPercent) };
      await api(`/api/admin/faults/${encodeURIComponent(chosen)}`, { method: 'PUT', body });
      setMessage({ kind: 'info', text: `Faults set for ${chosen}.` });
      faults.reload();
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };
  const clear = async (fault: Fault) => {
    try {
      await api(`/api/admin/faults/${encodeURIComponent(fault.service)}`, { method: 'DELETE' });
      setMessage({ kind: 'info', text: `Faults cleared for ${fault.service}.` });
      faults.reload();
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  return (
    <>
      <div className="ops-summary">
        <h1>Fault injection</h1>
        <p>Delay or fail a share of one service’s requests at the gateway, to watch the shop cope. Nothing is injected until you set it here.</p>
      </div>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {faults.error ? <Notice kind="error">{faults.error}</Notice> : null}
      <section className="ops-section" aria-labelledby="faults-now">
        <h2 id="faults-now">Injected now</h2>
        {!faults.data && !faults.error ? <Loading label="Loading the faults" /> : null}
        {faults.data && faults.data.items.length === 0 ? <p className="muted">No faults: every request is forwarded as it came.</p> : null}
        {faults.data && faults.data.items.length > 0 ? (
          <table className="ops-table">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Delayed</th>
                <th scope="col">Aborted</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {faults.data.items.map((fault) => (
                <tr key={fault.service}>
                  <td>{fault.service}</td>
                  <td>{fault.delayPercent > 0 ? `${fault.delayPercent} % by ${fault.delayMs} ms` : 'none'}</td>
                  <td>{fault.abortPercent > 0 ? `${fault.abortPercent} % with ${fault.abortStatus}` : 'none'}</td>
                  <td>
                    <button type="button" className="button button-small" onClick={() => void clear(fault)}>
                      Clear
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section className="ops-section" aria-labelledby="faults-set">
        <h2 id="faults-set">Set a fault</h2>
        <form className="ops-form" onSubmit={(e) => void inject(e)}>
          <div className="field">
            <label htmlFor="fault-service">Service</label>
            <select id="fault-service" value={chosen} onChange={(e) => setService(e.target.value)}>
              {services.map((name) => (
                <option key={name}>{name}</option>
              ))}
            </select>
          </div>
          <Field label="Delay (ms)" type="number" min={0} max={60000} value={delayMs} onChange={(e) => setDelayMs(e.target.value)} />
          <Field label="Delayed share (%)" type="number" min={0} max={100} value={delayPercent} onChange={(e) => setDelayPercent(e.target.value)} />
          <Field label="Abort status" type="number" min={400} max={599} value={abortStatus} onChange={(e) => setAbortStatus(e.target.value)} />
          <Field label="Aborted share (%)" type="number" min={0} max={100} value={abortPercent} onChange={(e) => setAbortPercent(e.target.value)} />
          <button type="submit" className="button" disabled={!chosen}>
            Inject fault
          </button>
        </form>
      </section>
    </>
  );
}

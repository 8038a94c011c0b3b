// Adds a host by hand: written as a Host block to Ferry's own inventory file.
import { useState, type FormEvent } from 'react';
import type { FerryErrorInfo } from '../../../app/errors';
import { ErrorNote } from '../components/error-note';
import { useStore } from '../store/store';

/** The "Add a host" form. */
export function AddHostForm({ manualFile }: { manualFile?: string | undefined }) {
  const addHost = useStore((s) => s.addHost);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FerryErrorInfo>();
  const [added, setAdded] = useState<string>();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    setBusy(true);
    setError(undefined);
    const err = await addHost({
      name: text('name'),
      hostName: text('hostName'),
      user: text('user') || 'root',
      port: Number(text('port') || '22'),
      ...(text('proxyJump') ? { proxyJump: text('proxyJump') } : {}),
    });
    setBusy(false);
    if (err) setError(err);
    else {
      setAdded(text('name'));
      form.reset();
    }
  };

  return (
    <form className="card stack" onSubmit={(e) => void submit(e)} aria-labelledby="add-host-title">
      <h3 id="add-host-title">Add a host</h3>
      <p className="muted small">
        Written as an ssh_config Host block to {manualFile ?? 'Ferry’s inventory file'}; it uses your default SSH keys and agent (hosts needing another key
        belong in ~/.ssh/config); known_hosts works as for ssh.
      </p>
      <div className="form-grid">
        <label>
          Name
          <input name="name" required placeholder="db-1" autoComplete="off" />
        </label>
        <label>
          Address
          <input name="hostName" required placeholder="10.0.0.5 or db-1.example.org" autoComplete="off" />
        </label>
        <label>
          User
          <input name="user" placeholder="root" autoComplete="off" />
        </label>
        <label>
          Port
          <input name="port" type="number" min={1} max={65535} placeholder="22" />
        </label>
        <label>
          ProxyJump
          <input name="proxyJump" placeholder="bastion" autoComplete="off" />
        </label>
      </div>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add host'}
        </button>
        {added && !error && <span role="status">Added {added}.</span>}
      </div>
      {error && <ErrorNote error={error} title="Could not add the host" />}
    </form>
  );
}

// The address hook's fields in the Migrate view's "More options", and what the hosts' inventory declares.
import type { HostSpec } from '../../../app/model/host';
import { DraftTextField } from '../components/draft-text-field';
import type { MigrationDraft } from '../store/types';

/** One line per host of the pair saying what hook its inventory declares (or why it is refused). */
export function declaredHookNotes(hosts: readonly Pick<HostSpec, 'name' | 'addressHook'>[]): string[] {
  return hosts.flatMap((h) => {
    const d = h.addressHook;
    if (!d) return [];
    if ('problem' in d) return [`${h.name}: inventory hook refused: ${d.problem}`];
    const parts = [d.hook.addresses?.length ? `for ${d.hook.addresses.join(', ')}` : '', d.hook.budgetMs?.move ? `move budget ${d.hook.budgetMs.move} ms` : '']
      .filter(Boolean)
      .join(', ');
    return [`${h.name} declares ${d.hook.path}${parts ? ` (${parts})` : ''}`];
  });
}

/** The hook's path, addresses and move budget; the inventory's declarations of the source and destination. */
export function HookOptions(props: {
  draft: MigrationDraft;
  setDraft(d: Partial<MigrationDraft>): void;
  disabled: boolean;
  pair: readonly Pick<HostSpec, 'name' | 'addressHook'>[];
}) {
  const { draft, setDraft, disabled } = props;
  const notes = declaredHookNotes(props.pair);
  return (
    <fieldset className="row wrap" aria-label="Address hook">
      <DraftTextField
        label="Address hook"
        title="An executable at this path on both hosts moves the addresses instead of Ferry's ARP move (docs/address-hooks.md)"
        field="hookPath"
        placeholder={notes.length ? 'from the inventory' : 'none'}
        {...{ draft, setDraft, disabled }}
      />
      <DraftTextField
        label="Hook addresses"
        title="Space or comma separated; empty: every address that moves"
        field="hookAddresses"
        placeholder="all"
        {...{ draft, setDraft, disabled }}
      />
      <label className="inline" title="The hook's move is killed past this; it must be below the freeze budget">
        Hook budget (ms)
        <input
          type="number"
          min={1}
          value={draft.hookBudgetMs ?? ''}
          onChange={(e) => setDraft({ hookBudgetMs: Number(e.target.value) || undefined })}
          disabled={disabled}
          placeholder="2000"
          className="narrow"
        />
      </label>
      {notes.length > 0 && (
        <p className="small muted" aria-label="Hooks the inventory declares">
          Inventory: {notes.join('; ')}. {draft.hookPath?.trim() ? 'The path above overrides them.' : 'Used when no path is given above.'}
        </p>
      )}
    </fieldset>
  );
}

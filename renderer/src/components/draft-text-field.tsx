// One text field of the migration draft (the Migrate view's options and the hook's): a label, an input bound to
// one string field of the draft.
import type { MigrationDraft } from '../store/types';

type TextKey = { [K in keyof MigrationDraft]-?: MigrationDraft[K] extends string | undefined ? K : never }[keyof MigrationDraft];

export function DraftTextField(props: {
  label: string;
  title?: string;
  field: TextKey;
  placeholder: string;
  draft: MigrationDraft;
  setDraft(d: Partial<MigrationDraft>): void;
  disabled: boolean;
}) {
  const { field, draft, setDraft } = props;
  return (
    <label className="inline" title={props.title}>
      {props.label}
      <input
        type="text"
        value={draft[field] ?? ''}
        onChange={(e) => setDraft({ [field]: e.target.value })}
        disabled={props.disabled}
        placeholder={props.placeholder}
      />
    </label>
  );
}

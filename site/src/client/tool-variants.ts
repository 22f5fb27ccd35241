/**
 * The tool picker's options and variants (docs/suites.md): each ticked tool runs with the option values shown
 * (only changed ones are sent), and "Add a variant" adds the same tool again under a label of its own with
 * a copy of the options to change.
 */

type OptionValue = string | number | boolean;

/** What the run form adds to `POST /api/run` for the ticked tools. */
export interface ToolSelection {
  tool_ids: string[];
  variants?: Array<{ tool_id: string; label: string; options: Record<string, OptionValue> }>;
  tool_options?: Record<string, Record<string, OptionValue>>;
}

/** Handles "Add a variant" and "Remove" in the picker; call once. */
export function installVariantControls(): void {
  document.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (button?.dataset.action === 'add-variant' && button.dataset.toolId) addVariant(button.dataset.toolId);
    else if (button?.dataset.action === 'remove-variant') button.closest('[data-role=variant]')?.remove();
    else return;
    // The run form's item count includes the variants.
    document.dispatchEvent(new Event('change'));
  });
}

function addVariant(toolId: string): void {
  const options = document.querySelector<HTMLFieldSetElement>(
    `fieldset[data-role=tool-options][data-tool-id="${toolId}"]`,
  );
  const holder = document.querySelector<HTMLElement>(`[data-role=variants][data-tool-id="${toolId}"]`);
  if (!options || !holder) return;
  const n = holder.querySelectorAll('[data-role=variant]').length + 2;
  const row = document.createElement('div');
  row.dataset.role = 'variant';
  row.className = 'tool-variant';
  const label = document.createElement('label');
  label.append('Label ');
  const input = document.createElement('input');
  input.type = 'text';
  input.value = `${toolId.replace(/_/g, '-')}-${n}`;
  input.pattern = '[a-z0-9][a-z0-9_.\\-]{0,63}';
  input.dataset.role = 'variant-label';
  input.dataset.testid = `variant-label-${toolId}-${n}`;
  label.append(input);
  const copy = options.cloneNode(true) as HTMLFieldSetElement;
  copy.dataset.role = 'variant-options';
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'secondary';
  remove.dataset.action = 'remove-variant';
  remove.textContent = 'Remove';
  row.append(label, copy, remove);
  holder.append(row);
  input.focus();
}

/** The values of a fieldset's option inputs; with `changedOnly`, those that differ from the default. */
function optionValues(fieldset: Element, changedOnly: boolean): Record<string, OptionValue> {
  const values: Record<string, OptionValue> = {};
  for (const el of Array.from(
    fieldset.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-option]'),
  )) {
    const name = el.dataset.option!;
    const value: OptionValue =
      el instanceof HTMLInputElement && el.type === 'checkbox'
        ? el.checked
        : el instanceof HTMLInputElement && el.type === 'number' && el.value !== ''
          ? Number(el.value)
          : el.value;
    if (!changedOnly || String(value) !== el.dataset.default) values[name] = value;
  }
  return values;
}

/** The ticked tools with their changed options, and the variants added to them. */
export function toolSelection(toolIds: string[]): ToolSelection {
  const toolOptions: Record<string, Record<string, OptionValue>> = {};
  const variants: NonNullable<ToolSelection['variants']> = [];
  for (const id of toolIds) {
    const fieldset = document.querySelector(`fieldset[data-role=tool-options][data-tool-id="${id}"]`);
    const changed = fieldset ? optionValues(fieldset, true) : {};
    if (Object.keys(changed).length > 0) toolOptions[id] = changed;
    const holder = document.querySelector(`[data-role=variants][data-tool-id="${id}"]`);
    for (const row of Array.from(holder?.querySelectorAll('[data-role=variant]') ?? [])) {
      const label = row.querySelector<HTMLInputElement>('[data-role=variant-label]')?.value.trim() ?? '';
      const own = row.querySelector('[data-role=variant-options]');
      variants.push({ tool_id: id, label, options: own ? optionValues(own, false) : {} });
    }
  }
  return {
    tool_ids: toolIds,
    ...(variants.length > 0 && { variants }),
    ...(Object.keys(toolOptions).length > 0 && { tool_options: toolOptions }),
  };
}

import { type ReactNode, useId } from "react";
import {
  Button as AriaButton,
  Checkbox as AriaCheckbox,
  type ButtonProps,
  Input,
  Label,
  TextField,
} from "react-aria-components";

/** A button; `tone="danger"` for what takes something away. */
export const Button = ({ tone, className, ...props }: ButtonProps & { tone?: "danger" | "quiet" }) => (
  <AriaButton {...props} className={[`btn`, tone ? `btn-${tone}` : "", className ?? ""].join(" ").trim()} />
);

/** A labelled text input (the label is visible and names the input). */
export const Field = ({
  label,
  name,
  type = "text",
  value,
  onChange,
  isRequired,
  autoComplete,
  placeholder,
}: {
  label: string;
  name: string;
  type?: string;
  value: string;
  onChange: (value: string) => void;
  isRequired?: boolean;
  autoComplete?: string;
  placeholder?: string;
}) => (
  <TextField
    className="field"
    name={name}
    type={type}
    value={value}
    onChange={onChange}
    isRequired={isRequired}
  >
    <Label>{label}</Label>
    <Input autoComplete={autoComplete} placeholder={placeholder} />
  </TextField>
);

/** A labelled native select (keyboard and screen-reader friendly as it is). */
export const Choice = ({
  label,
  value,
  onChange,
  options,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
}) => {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
};

export const Checkbox = ({
  children,
  isSelected,
  isIndeterminate,
  onChange,
  "aria-label": ariaLabel,
}: {
  children?: ReactNode;
  isSelected?: boolean;
  isIndeterminate?: boolean;
  onChange?: (selected: boolean) => void;
  "aria-label"?: string;
}) => (
  <AriaCheckbox
    className="checkbox"
    isSelected={isSelected}
    isIndeterminate={isIndeterminate}
    onChange={onChange}
    aria-label={ariaLabel}
  >
    {({ isSelected: checked, isIndeterminate }) => (
      <>
        <span className="box" aria-hidden="true">
          {isIndeterminate ? "–" : checked ? "✓" : ""}
        </span>
        {children}
      </>
    )}
  </AriaCheckbox>
);

/** Previous/next over the API's cursors: a list screen's cursor (`useCursor`) and its page's pageInfo. */
export const Pager = ({
  cursor,
  pageInfo,
}: {
  cursor: { page: number; previous: () => void; next: (endCursor: string | null) => void };
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}) =>
  cursor.page > 1 || pageInfo.hasNextPage ? (
    <nav className="pager" aria-label="Pages">
      <Button tone="quiet" isDisabled={cursor.page <= 1} onPress={cursor.previous}>
        Previous page
      </Button>
      <span>Page {cursor.page}</span>
      <Button
        tone="quiet"
        isDisabled={!pageInfo.hasNextPage}
        onPress={() => cursor.next(pageInfo.endCursor ?? null)}
      >
        Next page
      </Button>
    </nav>
  ) : null;

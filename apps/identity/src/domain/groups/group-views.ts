/** A group as the API shows it, and the columns that make it. */
export const GROUP_VIEW = { id: true, name: true, description: true, createdAt: true } as const;

export type GroupView = { id: string; name: string; description: string | null; createdAt: Date };

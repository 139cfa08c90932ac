// Every taggable resource gets the stack's tags plus a Name, so the console shows whose it is.

export type Tags = Record<string, string>;

export function named(tags: Tags, name: string): Tags {
    return { ...tags, Name: name };
}

/** camelCase → snake_case: the keys of the YAML files people edit and the live server reads. */
export const snakeCase = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** snake_case → camelCase: those keys back as the API's field names. */
export const camelCase = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export declare const singletons: string[];
export declare function sharedSingletons(
  deps: Record<string, string>,
): Record<string, { singleton: true; requiredVersion: string | false }>;

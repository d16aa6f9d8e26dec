/** The GraphQL Code Generator config (a CodegenConfig) for one app. */
export declare function createCodegenConfig(options?: { documents?: string[]; output?: string }): Record<string, unknown>;

import type { CodegenConfig } from '@graphql-codegen/cli';

// `npm run codegen`: typed documents for every .graphql operation beside the portal's components, from the
// server's own schema. The output (src/gql/) is committed; make check-generate (part of the test
// command) proves it is current, as `go generate` is checked for the server.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/portal/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Decimal: 'string', Upload: 'File' },
        defaultScalarType: 'unknown',
      },
    },
  },
};
export default config;

import type { ExportService } from '../../services/exports';
import type { HandlersFor } from '../router';

export function statementsHandlers({
  exports,
}: {
  exports: ExportService;
}): HandlersFor<'statements'> {
  return {
    'statements:save-pdf': ({ id }) => exports.savePdf(id),
    'statements:open-pdf': ({ id }) => exports.openPdf(id),
    'statements:export-csv': (input) => exports.statementsCsv(input?.filters),
  };
}

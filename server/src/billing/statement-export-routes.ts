import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuthService } from '../auth/auth-service';
import { documentLanguage, type StatementExports } from './statement-exports';
import { renderStatementPdf, statementPdfFilename } from './statement-pdf';
import { requireBearerToken } from '../http/bearer-auth';
import { registerRoutes } from '../http/register';

export interface StatementExportRoutesOptions {
  auth: AuthService;
  exports: StatementExports;
}

/** Downloads for the signed-in subscriber: a statement as PDF, statements and payments as CSV. */
export const statementExportRoutes: FastifyPluginAsyncZod<StatementExportRoutesOptions> = async (
  app,
  opts,
) => {
  requireBearerToken(app, opts.auth);

  registerRoutes(app, ['account.statementPdf', 'account.statementsCsv', 'account.paymentsCsv'], {
    'account.statementPdf': async (request, reply) => {
      const document = await opts.exports.statementDocument(
        request.subscriberId,
        request.params.id,
      );
      const pdf = await renderStatementPdf(
        document,
        documentLanguage(request.query.lang, request.headers['accept-language']),
      );
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="${statementPdfFilename(document.statement)}"`,
        )
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
    'account.statementsCsv': async (request, reply) => {
      const body = await opts.exports.statementsCsv(request.subscriberId, {
        ...request.query,
        lang: documentLanguage(request.query.lang, request.headers['accept-language']),
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="airtime-statements.csv"')
        .header('cache-control', 'private, no-store')
        .send(body);
    },
    'account.paymentsCsv': async (request, reply) => {
      const body = await opts.exports.paymentsCsv(request.subscriberId, {
        ...request.query,
        lang: documentLanguage(request.query.lang, request.headers['accept-language']),
      });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="airtime-payments.csv"')
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  });
};

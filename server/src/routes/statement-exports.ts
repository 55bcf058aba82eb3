import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiErrorBody } from '../../../contract/errors';
import { ExportFilters, StatementParams } from '../../../contract/http/account';
import type { AuthService } from '../services/auth-service';
import type { StatementExports } from '../services/statement-exports';
import { renderStatementPdf, statementPdfFilename } from '../services/statement-pdf';
import { requireBearerToken } from './bearer-auth';

export interface StatementExportRoutesOptions {
  auth: AuthService;
  exports: StatementExports;
}

const errors = { 400: ApiErrorBody, 401: ApiErrorBody };
const security = [{ bearerAuth: [] }];
const FILTERS_DESCRIPTION =
  'Optional filters as on GET /v1/account/statements: month (YYYY-MM) or from/to (YYYY-MM, inclusive), minAmountCents/maxAmountCents (inclusive). Text cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed with an apostrophe.';

/** The PDF goes out as raw bytes; described as a binary string in the OpenAPI document. */
const PdfBytes = z
  .custom<Buffer>((value) => Buffer.isBuffer(value))
  .meta({ type: 'string', format: 'binary' });

const csv = (description: string) => ({
  description,
  content: { 'text/csv': { schema: z.string() } },
});

/** Downloads for the signed-in subscriber: a statement as PDF, statements and payments as CSV. */
export const statementExportRoutes: FastifyPluginAsyncZod<StatementExportRoutesOptions> = async (
  app,
  opts,
) => {
  requireBearerToken(app, opts.auth);

  app.get(
    '/statements/:id/pdf',
    {
      schema: {
        summary: 'One statement as a PDF document',
        description:
          'The statement with its line items, totals, payments applied and amount due. 404 statement_not_found for an id that is not on this account.',
        tags: ['account'],
        security,
        params: StatementParams,
        response: {
          200: {
            description: 'The statement as a PDF file',
            content: { 'application/pdf': { schema: PdfBytes } },
          },
          404: ApiErrorBody,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const document = await opts.exports.statementDocument(
        request.subscriberId,
        request.params.id,
      );
      const pdf = await renderStatementPdf(document);
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="${statementPdfFilename(document.statement)}"`,
        )
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );

  app.get(
    '/statements.csv',
    {
      schema: {
        summary: 'Statements as a CSV file, newest first',
        description: FILTERS_DESCRIPTION,
        tags: ['account'],
        security,
        querystring: ExportFilters,
        response: { 200: csv('One row per statement, amounts in decimal dollars'), ...errors },
      },
    },
    async (request, reply) => {
      const body = await opts.exports.statementsCsv(request.subscriberId, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="airtime-statements.csv"')
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  );

  app.get(
    '/payments.csv',
    {
      schema: {
        summary: 'Payments and refills as a CSV file, newest first',
        description: FILTERS_DESCRIPTION,
        tags: ['account'],
        security,
        querystring: ExportFilters,
        response: { 200: csv('One row per payment, amounts in decimal dollars'), ...errors },
      },
    },
    async (request, reply) => {
      const body = await opts.exports.paymentsCsv(request.subscriberId, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="airtime-payments.csv"')
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  );
};

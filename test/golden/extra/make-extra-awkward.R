# Reference numbers for issue 13 ("statistics on awkward data: R's number or a clear refusal"): one
# block per class of fault, each with data sets designed to hit the class from several angles (other
# scales, other factor layouts, more strata). Writes the awk-*.csv files and awkward-cases.json next
# to this script; test/unit/stats/awkwardData.test.ts runs every case through the CLI.
#
# A case has either `expected` (R's numbers, compared as ../compare.ts does) or `error` (fragments of
# the one-line message the CLI must print with exit 2), and optionally `warning` (a fragment of a
# warnings[] entry) and `r` (what R itself does, for the record: its error or warning text).
# Where R has no number (survdiff on a singular variance stops) the reference is computed in R from
# survdiff's own pieces with MASS::ginv, and the case says so in `note`.
#
# Run: Rscript test/golden/extra/make-extra-awkward.R   (R 4.2, survival 3.5-3, cmprsk 2.2-11, MASS)
# The tests read the JSON; they never run R.
suppressMessages({ library(survival); library(cmprsk); library(MASS) })

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
dir <- dirname(normalizePath(script))

to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      parts <- mapply(function(k, v) paste0('"', k, '":', to_json(v)), names(x), x)
      return(paste0("{", paste(parts, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
  }
  if (length(x) != 1) stop("vectors must be wrapped with as.list()")
  if (is.character(x)) return(paste0('"', gsub('"', '\\\\"', gsub("\n", " ", x)), '"'))
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  sprintf("%.17g", x)
}

cases <- list()
add_case <- function(id, class, command, args, ...) {
  cases[[length(cases) + 1]] <<- c(list(id = id, class = class, command = command, args = args), list(...))
}
write_data <- function(name, d) {
  write.csv(d, file.path(dir, name), row.names = FALSE, na = "")
  invisible(d)
}
r_error <- function(expr) tryCatch({ force(expr); "no error" }, error = function(e) conditionMessage(e))
r_warning <- function(expr) {
  w <- character()
  withCallingHandlers(expr, warning = function(x) { w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning") })
  paste(w, collapse = "; ")
}
chisq_test <- function(stat, df) list(chisq = unname(stat), df = df, p = pchisq(unname(stat), df, lower.tail = FALSE))

# ---------------------------------------------------------------------------------------------------
# Class 1: infinite values. A decimal beyond 1.8e308 reads as Inf in R (read.csv) and in JavaScript;
# `Inf`/`NaN` text is already refused, so 1e999 must be too, in times, covariates and test values.
set.seed(1301)
d <- data.frame(time = round(rexp(20, 0.1), 2), status = rbinom(20, 1, 0.7), g = rep(c("a", "b"), 10),
                x = round(rnorm(20), 3), cause = sample(0:2, 20, TRUE))
write_data("awk-inf.csv", d)
lines <- readLines(file.path(dir, "awk-inf.csv"))
lines[6] <- sub("^[^,]*", "1e999", lines[6])          # time of data row 5
writeLines(lines, file.path(dir, "awk-inf-time.csv"))
lines <- readLines(file.path(dir, "awk-inf.csv"))
lines[9] <- sub(",([^,]*),([^,]*)$", ",-1E400,\\2", lines[9])   # covariate x of data row 8
writeLines(lines, file.path(dir, "awk-inf-covariate.csv"))
invisible(file.remove(file.path(dir, "awk-inf.csv")))
r_inf <- paste("R reads it as", read.csv(file.path(dir, "awk-inf-time.csv"))$time[5])
for (cmd in list(
  list("km", list(data = "awk-inf-time.csv", time = "time", event = "status", group = "g")),
  list("logrank", list(data = "awk-inf-time.csv", time = "time", event = "status", group = "g")),
  list("cox", list(data = "awk-inf-time.csv", time = "time", event = "status", covariates = "x")),
  list("cuminc", list(data = "awk-inf-time.csv", time = "time", status = "cause", group = "g", at = "5")),
  list("followup", list(data = "awk-inf-time.csv", time = "time", event = "status")))) {
  add_case(paste0("inf-time-", cmd[[1]]), 1, cmd[[1]], cmd[[2]], error = list("'1e999'", "row 5", "column 'time'", "too large"), r = r_inf)
}
add_case("inf-covariate-cox", 1, "cox", list(data = "awk-inf-covariate.csv", time = "time", event = "status", covariates = "x"),
         error = list("'-1E400'", "row 8", "column 'x'", "too large"))
add_case("inf-value-wilcoxon", 1, "tabletest", list(data = "awk-inf-covariate.csv", row = "x", group = "g", test = "wilcoxon"),
         error = list("'-1E400'", "row 8", "too large"))

# ---------------------------------------------------------------------------------------------------
# Class 2: a stratified log-rank test with nothing to compare (each group in its own stratum): survdiff
# stops inside solve(); the CLI says why in one line (exit 2), never a stack trace.
set.seed(1302)
d <- data.frame(time = round(rexp(36, 0.1), 1) + 0.1, status = rbinom(36, 1, 0.75), g = rep(c("a", "b", "c"), each = 12))
d$s <- paste0("s", d$g)
write_data("awk-strata-separate.csv", d)
r2 <- r_error(survdiff(Surv(time, status) ~ g + strata(s), d))
for (rho in c(0, 1)) {
  add_case(paste0("strata-separate-rho", rho), 2, "logrank",
           list(data = "awk-strata-separate.csv", time = "time", event = "status", group = "g", strata = "s", rho = rho),
           error = list("nothing to compare", "stratum"), r = r2)
}
# Two groups, four strata, each stratum holding one group only (more strata than groups).
d2 <- data.frame(time = round(rexp(40, 0.2), 1) + 0.1, status = rbinom(40, 1, 0.8), g = rep(c("x", "y"), each = 20),
                 s = rep(1:4, each = 10))
write_data("awk-strata-separate2.csv", d2)
add_case("strata-separate-4strata", 2, "logrank",
         list(data = "awk-strata-separate2.csv", time = "time", event = "status", group = "g", strata = "s"),
         error = list("nothing to compare"), r = r_error(survdiff(Surv(time, status) ~ g + strata(s), d2)))

# ---------------------------------------------------------------------------------------------------
# Class 3: rank-deficient tests.
# (a) Stratified G-rho tests whose variance is singular: groups confined to blocks of strata, so only
#     within-block comparisons exist. Reference: survdiff's O, E, V (survdiff.fit) and χ² with the
#     Moore–Penrose inverse, df = rank — survdiff itself stops ("computationally singular").
ginv_logrank <- function(d, rho) {
  y <- Surv(d$time, d$status)
  g <- factor(d$g)
  fit <- survival:::survdiff.fit(y, g, strat = as.integer(factor(d$s)), rho = rho)
  otmp <- if (is.matrix(fit$observed)) rowSums(fit$observed) else fit$observed
  etmp <- if (is.matrix(fit$expected)) rowSums(fit$expected) else fit$expected
  keep <- etmp > 0
  r <- ((otmp - etmp)[keep])[-1]
  vv <- (fit$var[keep, keep])[-1, -1, drop = FALSE]
  rank <- qr(vv, tol = 1e-9)$rank
  chi <- sum(r * (ginv(vv) %*% r))
  list(chisq = chi, df = rank, p = pchisq(chi, rank, lower.tail = FALSE),
       groups = lapply(seq_along(levels(g)), function(k) list(group = levels(g)[k], n = sum(g == levels(g)[k]),
                                                           observed = unname(otmp[k]), expected = unname(etmp[k]))))
}
set.seed(1303)
blocks <- function(n, groups, strata_of_group) {
  g <- sample(groups, n, TRUE)
  s <- vapply(g, function(x) sample(strata_of_group[[x]], 1), "")
  data.frame(time = round(rexp(n, 0.15), 1) + 0.1, status = rbinom(n, 1, 0.7), g = g, s = s)
}
d3a <- write_data("awk-strata-blocks.csv",
  blocks(120, c("a", "b", "c", "d"), list(a = c("s1", "s2"), b = c("s1", "s2"), c = c("s3"), d = c("s3", "s4"))))
d3b <- write_data("awk-strata-blocks6.csv",
  blocks(200, c("g1", "g2", "g3", "g4", "g5", "g6"),
         list(g1 = "t1", g2 = c("t1", "t2"), g3 = c("t3", "t4"), g4 = "t4", g5 = c("t5", "t6"), g6 = "t6")))
for (case in list(list("blocks", d3a, "awk-strata-blocks.csv"), list("blocks6", d3b, "awk-strata-blocks6.csv"))) {
  for (rho in c(0, 0.5, 1)) {
    add_case(paste0("logrank-", case[[1]], "-rho", rho), 3, "logrank",
             list(data = case[[3]], time = "time", event = "status", group = "g", strata = "s", rho = rho),
             expected = ginv_logrank(case[[2]], rho), warning = "generalised inverse",
             note = "survdiff stops (singular variance); reference = survdiff.fit's O, E, V with MASS::ginv, df = rank",
             r = r_error(survdiff(Surv(time, status) ~ g + strata(s), case[[2]], rho = rho)))
  }
}
# (b) df 0: only one group has subjects at risk at the event times → survdiff's χ² 0 on 0 df, p 1.
d3c <- write_data("awk-df0.csv", data.frame(time = c(1, 2, 2, 3, 5, 8, 20, 21, 22, 25), status = c(0, 0, 0, 0, 0, 0, 1, 1, 0, 1),
                                           g = c(rep("early", 6), rep("late", 4))))
sd0 <- survdiff(Surv(time, status) ~ g, d3c)
add_case("logrank-df0", 3, "logrank", list(data = "awk-df0.csv", time = "time", event = "status", group = "g"),
         expected = list(chisq = sd0$chisq, df = 0, p = pchisq(sd0$chisq, 0, lower.tail = FALSE)), warning = "nothing to compare")
# (c) Gray's test with a singular variance: cmprsk reports stat −1 and pv = 1 − pchisq(−1, df) = 1.
set.seed(1304)
n <- 60
d3d <- data.frame(time = round(rexp(n, 0.1), 1) + 1, cause = sample(0:2, n, TRUE, prob = c(0.3, 0.4, 0.3)),
                  g = sample(c("a", "b"), n, TRUE))
d3d <- rbind(d3d, data.frame(time = c(0.1, 0.2, 0.3, 0.5), cause = 0, g = "c"))   # group c censored before any event
write_data("awk-gray-singular.csv", d3d)
ci <- cuminc(d3d$time, d3d$cause, d3d$g, cencode = 0)
gray_rows <- lapply(seq_len(nrow(ci$Tests)), function(i) list(cause = rownames(ci$Tests)[i], stat = ci$Tests[i, "stat"],
                                                              df = ci$Tests[i, "df"], p = ci$Tests[i, "pv"]))
add_case("gray-singular-3groups", 3, "cuminc", list(data = "awk-gray-singular.csv", time = "time", status = "cause", group = "g", at = "5,10"),
         expected = list(gray = gray_rows), warning = "stat −1")
# (d) Cox robust Wald test on a rank-deficient robust variance (fewer clusters than coefficients):
#     summary.coxph reports df = number of estimable coefficients; χ² from coxph.wtest's g-inverse.
cox_expected <- function(d, covariates, factors = character(), strata = NULL, cluster = NULL, ties = "efron") {
  for (f in factors) d[[f]] <- factor(as.character(d[[f]]), levels = sort(unique(as.character(d[[f]]))))
  rhs <- paste(paste0("`", covariates, "`"), collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(`", strata, "`)")
  form <- as.formula(paste("Surv(time, status) ~", rhs))
  warn <- ""
  fit <- withCallingHandlers(
    if (is.null(cluster)) coxph(form, data = d, ties = ties) else coxph(form, data = d, ties = ties, cluster = d[[cluster]]),
    warning = function(w) { warn <<- conditionMessage(w); invokeRestart("muffleWarning") })
  b <- coef(fit)
  naive <- if (is.null(fit$naive.var)) fit$var else fit$naive.var
  se <- sqrt(diag(naive))
  rse <- if (is.null(cluster)) rep(NA, length(b)) else sqrt(diag(fit$var))
  use <- if (is.null(cluster)) se else rse
  z <- b / use
  nm <- names(b)
  for (f in factors) nm <- sub(paste0("^", f), paste0(f, "="), nm)
  nm <- gsub("`", "", nm)
  terms <- lapply(seq_along(b), function(i) {
    t <- list(term = nm[i], coef = unname(b[i]), hr = unname(exp(b[i])), se = unname(se[i]), robustSe = unname(rse[i]),
              z = unname(z[i]), p = unname(2 * pnorm(-abs(z[i]))), lower = unname(exp(b[i] - qnorm(0.975) * use[i])),
              upper = unname(exp(b[i] + qnorm(0.975) * use[i])))
    # An aliased term: coxph's coef is NA but its se is 0 (a zero row of the g-inverse); the CLI gives
    # every number of that row as null with aliased: true (a documented, deliberate difference).
    if (is.na(b[i])) t <- list(term = nm[i], coef = NULL, hr = NULL, se = NULL, robustSe = NULL, z = NULL, p = NULL,
                               lower = NULL, upper = NULL, aliased = TRUE)
    t
  })
  df <- sum(!is.na(b))
  tests <- list(likelihoodRatio = chisq_test(2 * diff(fit$loglik), df), wald = chisq_test(fit$wald.test, df),
                score = chisq_test(fit$score, df))
  if (!is.null(cluster)) tests$robustScore <- chisq_test(fit$rscore, df)
  list(expected = list(n = fit$n, events = fit$nevent, loglik = as.list(fit$loglik), terms = terms, tests = tests), r = warn)
}
set.seed(1305)
n <- 90
d3e <- data.frame(time = round(rexp(n, 0.1), 2) + 0.01, status = rbinom(n, 1, 0.8), x1 = round(rnorm(n), 3),
                  x2 = round(runif(n, 20, 80), 1), x3 = rbinom(n, 1, 0.4), x4 = round(rnorm(n, 0, 1e-3), 7),
                  id = sample(1:3, n, TRUE))
write_data("awk-few-clusters.csv", d3e)
ce <- cox_expected(d3e, c("x1", "x2", "x3", "x4"), cluster = "id")
add_case("cox-robust-rank-deficient-3clusters", 3, "cox",
         list(data = "awk-few-clusters.csv", time = "time", event = "status", covariates = "x1,x2,x3,x4", cluster = "id"),
         expected = ce$expected, r = ce$r)
d3f <- d3e; d3f$id <- (seq_len(n) %% 2) + 1                       # two clusters, Breslow ties, a strata
d3f$st <- rep(c("u", "v"), length.out = n)
write_data("awk-few-clusters2.csv", d3f)
ce <- cox_expected(d3f, c("x1", "x2", "x3"), strata = "st", cluster = "id", ties = "breslow")
add_case("cox-robust-rank-deficient-2clusters-strata", 3, "cox",
         list(data = "awk-few-clusters2.csv", time = "time", event = "status", covariates = "x1,x2,x3", strata = "st", cluster = "id", ties = "breslow"),
         expected = ce$expected, r = ce$r)

# ---------------------------------------------------------------------------------------------------
# Class 4: aliased terms are NA (coxph's pivoted Cholesky of the information), tests on fewer df;
# a singular Fine–Gray fit is refused.
set.seed(1306)
n <- 120
d4 <- data.frame(time = round(rexp(n, 0.08), 1) + 0.1, status = rbinom(n, 1, 0.7),
                 site = sample(c("a", "b", "c", "d"), n, TRUE), age = round(rnorm(n, 60, 10)), st = sample(c("p", "q", "r"), n, TRUE),
                 x1 = round(rnorm(n), 4), x2 = round(rnorm(n), 4), cl = sample(1:30, n, TRUE))
d4$isd <- as.integer(d4$site == "d")                         # = the site=d indicator
d4$stx <- c(p = 1.5, q = -2, r = 7)[d4$st]                   # constant within each stratum
d4$x3 <- d4$x1 * 1e4 - d4$x2 * 1e-3                          # exactly collinear, mixed scales
d4$dose <- c(a = 20, b = 30, c = 30, d = 45)[d4$site]         # a function of the site
write_data("awk-aliased.csv", d4)
alias_cases <- list(
  list("factor-level-last", c("isd", "site"), "site", NULL, NULL),
  list("numeric-after-factor", c("site", "isd"), "site", NULL, NULL),
  list("strata-constant", c("age", "stx"), character(), "st", NULL),
  list("mixed-scale-collinear", c("x1", "x2", "x3"), character(), NULL, NULL),
  list("factor-and-dose-cluster", c("site", "dose", "age"), "site", NULL, "cl"))
for (a in alias_cases) {
  ce <- cox_expected(d4, a[[2]], a[[3]], strata = a[[4]], cluster = a[[5]])
  args <- list(data = "awk-aliased.csv", time = "time", event = "status", covariates = paste(a[[2]], collapse = ","))
  if (length(a[[3]])) args$factors <- paste(a[[3]], collapse = ",")
  if (!is.null(a[[4]])) args$strata <- a[[4]]
  if (!is.null(a[[5]])) args$cluster <- a[[5]]
  add_case(paste0("cox-aliased-", a[[1]]), 4, "cox", args, expected = ce$expected, warning = "deemed to be singular", r = ce$r)
}
# Fine–Gray: collinear covariates and a covariate that is a function of a factor.
d4$cause <- ifelse(d4$status == 1, sample(1:2, n, TRUE, prob = c(0.6, 0.4)), 0)
write_data("awk-fg-singular.csv", d4[, c("time", "cause", "x1", "x2", "x3", "site", "dose", "age")])
x <- as.matrix(d4[, c("x1", "x2", "x3")])
r_fg <- tryCatch({ f <- crr(d4$time, d4$cause, x); paste("crr returns coef", paste(signif(f$coef, 4), collapse = " "), "se", paste(signif(sqrt(diag(f$var)), 4), collapse = " ")) },
                 error = function(e) conditionMessage(e))
add_case("finegray-singular-collinear", 4, "finegray", list(data = "awk-fg-singular.csv", time = "time", status = "cause", covariates = "x1,x2,x3"),
         error = list("singular", "'x3'"), r = r_fg)
add_case("finegray-singular-factor-function", 4, "finegray",
         list(data = "awk-fg-singular.csv", time = "time", status = "cause", covariates = "site,dose", factors = "site"),
         error = list("singular", "'dose'"))

# ---------------------------------------------------------------------------------------------------
# Class 5: ill-conditioning. Near-collinear covariates (r ≈ 0.9999995) with a cluster: R's numbers on
# the unit scale; on rescaled/shifted columns the coefficients are R's fit of those columns and the
# tests R's unit-scale values — the tests are invariant in exact arithmetic, and R's own Wald/robust
# tests drift with the units there (coxph.wtest factors the unscaled variance), ours do not.
set.seed(1307)
n <- 300
x1 <- rnorm(n); x2 <- x1 + rnorm(n) * 1e-3; x3 <- rnorm(n)
d5 <- data.frame(time = round(rexp(n, exp(0.3 * x1)), 4) + 1e-4, status = rbinom(n, 1, 0.7),
                 a = round(x1, 8), b = round(x2, 8), c = round(x3, 6), id = sample(1:80, n, TRUE))
write_data("awk-nearcollinear.csv", d5)
d5s <- transform(d5, a = a * 1e4 + 5e4, b = b * 1e-3, c = c * 100 - 3)
write_data("awk-nearcollinear-scaled.csv", d5s)
base <- cox_expected(d5, c("a", "b", "c"), cluster = "id")
add_case("cox-nearcollinear-cluster", 5, "cox", list(data = "awk-nearcollinear.csv", time = "time", event = "status", covariates = "a,b,c", cluster = "id"),
         expected = base$expected, cor = cor(d5$a, d5$b))
sc <- cox_expected(d5s, c("a", "b", "c"), cluster = "id")
sc$expected$tests <- base$expected$tests
add_case("cox-nearcollinear-cluster-rescaled", 5, "cox",
         list(data = "awk-nearcollinear-scaled.csv", time = "time", event = "status", covariates = "a,b,c", cluster = "id"),
         expected = sc$expected, note = "tests: R's values on the unit scale (invariant); R on these units gives wald.test",
         r = sprintf("%.10g", coxph(Surv(time, status) ~ a + b + c, d5s, cluster = id)$wald.test))
base <- cox_expected(d5, c("a", "b", "c"), ties = "breslow")
add_case("cox-nearcollinear-breslow", 5, "cox", list(data = "awk-nearcollinear.csv", time = "time", event = "status", covariates = "a,b,c", ties = "breslow"),
         expected = base$expected)

# ---------------------------------------------------------------------------------------------------
# Class 6: Fisher's exact test on r×c tables R computes by default (FEXACT), and the Monte-Carlo
# p-value (simulate.p.value = TRUE, B replicates; compared within Monte-Carlo error).
set.seed(1308)
make_table <- function(r, c, n, lo, hi) {
  repeat {
    x <- matrix(0, r, c)
    cells <- sample(r * c, n, TRUE, prob = rexp(r * c))
    for (k in cells) x[k] <- x[k] + 1
    if (all(rowSums(x) > 0) && all(colSums(x) > 0)) {
      p <- fisher.test(x, workspace = 2e8)$p.value
      if (p >= lo && p <= hi) return(x)
    }
  }
}
table_data <- function(name, x) {
  rows <- unlist(lapply(seq_len(nrow(x)), function(i) unlist(lapply(seq_len(ncol(x)), function(j) rep(i, x[i, j])))))
  cols <- unlist(lapply(seq_len(nrow(x)), function(i) unlist(lapply(seq_len(ncol(x)), function(j) rep(paste0("G", j), x[i, j])))))
  write_data(name, data.frame(row = paste0("R", rows), group = cols))
}
fisher_tables <- list(
  list("5x5-n41", make_table(5, 5, 41, 0.1, 0.3)),
  list("4x6-n60", make_table(4, 6, 60, 0.05, 0.15)),
  list("5x5-n41-small-p", make_table(5, 5, 41, 1e-4, 1e-2)),
  list("4x6-n60-small-p", make_table(4, 6, 60, 1e-4, 1e-2)),
  list("6x3-n45", make_table(6, 3, 45, 0.01, 0.5)),
  list("3x7-n70", make_table(3, 7, 70, 0.01, 0.5)),
  list("2x8-n120", make_table(2, 8, 120, 0.001, 0.5)),
  list("4x4-n80", make_table(4, 4, 80, 0.001, 0.5)))
for (t in fisher_tables) {
  file <- paste0("awk-fisher-", t[[1]], ".csv")
  table_data(file, t[[2]])
  add_case(paste0("fisher-", t[[1]]), 6, "tabletest", list(data = file, row = "row", group = "group", test = "fisher"),
           expected = list(p = fisher.test(t[[2]], workspace = 2e8)$p.value), table = lapply(seq_len(nrow(t[[2]])), function(i) as.list(t[[2]][i, ])))
}
for (t in fisher_tables[c(1, 2)]) {
  file <- paste0("awk-fisher-", t[[1]], ".csv")
  B <- 20000
  p <- fisher.test(t[[2]], simulate.p.value = TRUE, B = B)$p.value
  # Tolerance: 5 standard errors of the difference of two independent Monte-Carlo estimates.
  tol <- 5 * sqrt(2 * p * (1 - p) / B) / p
  add_case(paste0("fisher-simulate-", t[[1]]), 6, "tabletest",
           list(data = file, row = "row", group = "group", test = "fisher", simulate = B, seed = 13),
           expected = list(p = p), tolerance = tol, note = "Monte-Carlo: another random stream than R's; tolerance 5 SE")
}

# ---------------------------------------------------------------------------------------------------
# Class 7: UTF-16 files (with a BOM, little-endian; without one, big-endian) are read like UTF-8.
set.seed(1309)
d7 <- data.frame(time = round(rexp(40, 0.1), 1) + 0.1, status = rbinom(40, 1, 0.7), arm = sample(c("Bras A", "Bras \u00e9"), 40, TRUE))
utf16 <- function(name, d, enc, bom) {
  text <- paste0(paste(c("time,status,arm", sprintf("%s,%d,%s", format(d$time), d$status, d$arm)), collapse = "\r\n"), "\r\n")
  bytes <- iconv(text, "UTF-8", enc, toRaw = TRUE)[[1]]
  if (bom) bytes <- c(if (enc == "UTF-16LE") as.raw(c(0xff, 0xfe)) else as.raw(c(0xfe, 0xff)), bytes)
  writeBin(bytes, file.path(dir, name))
}
utf16("awk-utf16le-bom.csv", d7, "UTF-16LE", TRUE)
utf16("awk-utf16be.csv", d7, "UTF-16BE", FALSE)
fit <- survfit(Surv(time, status) ~ arm, d7)
med <- summary(fit)$table
km_rows <- lapply(seq_len(nrow(med)), function(i) list(group = sub("^arm=", "", rownames(med)[i]), n = unname(med[i, "records"]),
                                                      events = unname(med[i, "events"]), median = list(estimate = unname(med[i, "median"]))))
for (f in c("awk-utf16le-bom.csv", "awk-utf16be.csv")) {
  add_case(paste0("km-", sub("\\.csv$", "", sub("^awk-", "", f))), 7, "km", list(data = f, time = "time", event = "status", group = "arm"),
           expected = list(groups = km_rows))
}
sd7 <- survdiff(Surv(time, status) ~ arm, d7)
add_case("logrank-utf16le-bom", 7, "logrank", list(data = "awk-utf16le-bom.csv", time = "time", event = "status", group = "arm"),
         expected = list(chisq = sd7$chisq, df = 1, p = pchisq(sd7$chisq, 1, lower.tail = FALSE)))

writeLines(paste0("[\n", paste(vapply(cases, to_json, ""), collapse = ",\n"), "\n]"), file.path(dir, "awkward-cases.json"))
cat("wrote", length(cases), "cases\n")

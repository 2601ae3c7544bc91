# Reference numbers for the Cox / cox.zph / Fine–Gray edge cases in extra-cases.json (helper B's cases:
# ties everywhere, time 0, strata, clusters, factors with a chosen reference, monotone likelihood).
# The data files (ties.csv, alltied.csv, monotone.csv, ties-fg.csv) are committed beside this script
# and read here; ../lung.csv, ../veteran.csv and ../mgus2.csv are the golden copies.
# (The original generator was lost; this one recomputes the same JSON from the committed CSVs.)
# Run: Rscript test/golden/extra/make-extra.R [OUT.json]    (R 4.2, survival 3.5-3, cmprsk 2.2-11)
# The tests read the JSON; they never run R.
suppressMessages({ library(survival); library(cmprsk) })

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
dir <- dirname(normalizePath(script))
args <- commandArgs(TRUE)
out_file <- if (length(args) >= 1) args[1] else file.path(dir, "extra-cases.json")

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
  if (is.character(x)) return(paste0('"', x, '"'))
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.logical(x)) return(if (x) "true" else "false")
  sprintf("%.17g", x)
}

read <- function(name) read.csv(file.path(dir, name), stringsAsFactors = FALSE)
event01 <- function(s) if (all(s %in% c(0, 1), na.rm = TRUE)) s else s - 1
chisq_test <- function(stat, df) list(chisq = unname(stat), df = df, p = pchisq(unname(stat), df, lower.tail = FALSE))

# Factor covariates coded against a reference level, terms named "B=level" as cli.md.
model_frame <- function(d, covariates, factors = character(), ref = list()) {
  for (f in factors) {
    levels <- sort(unique(as.character(d[[f]])))
    if (!is.null(ref[[f]])) levels <- c(ref[[f]], setdiff(levels, ref[[f]]))
    d[[f]] <- factor(as.character(d[[f]]), levels = levels)
  }
  d
}
term_names <- function(fit, covariates, factors) {
  nm <- names(coef(fit))
  for (f in factors) nm <- sub(paste0("^", gsub(".", "\\.", f, fixed = TRUE)), paste0(f, "="), nm)
  gsub("`", "", nm)
}

cox_expected <- function(d, covariates, factors = character(), ref = list(), strata = NULL, cluster = NULL,
                         ties = "efron") {
  d <- model_frame(d, covariates, factors, ref)
  d$ev <- event01(d$status)
  rhs <- paste(paste0("`", covariates, "`"), collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(`", strata, "`)")
  form <- as.formula(paste("Surv(time, ev) ~", rhs))
  fit <- if (is.null(cluster)) coxph(form, data = d, ties = ties)
         else coxph(form, data = d, ties = ties, cluster = d[[cluster]])
  b <- coef(fit)
  se <- sqrt(diag(fit$naive.var %||% fit$var))
  rse <- if (is.null(cluster)) rep(NA, length(b)) else sqrt(diag(fit$var))
  use <- if (is.null(cluster)) se else rse
  z <- b / use
  terms <- lapply(seq_along(b), function(i) list(term = term_names(fit, covariates, factors)[i],
    coef = unname(b[i]), hr = unname(exp(b[i])), se = unname(se[i]), robustSe = unname(rse[i]), z = unname(z[i]),
    p = unname(2 * pnorm(-abs(z[i]))), lower = unname(exp(b[i] - qnorm(0.975) * use[i])),
    upper = unname(exp(b[i] + qnorm(0.975) * use[i]))))
  p <- length(b)
  tests <- list(likelihoodRatio = chisq_test(2 * diff(fit$loglik), p),
                wald = chisq_test(fit$wald.test, p),
                score = chisq_test(fit$score, p))
  if (!is.null(cluster)) tests$robustScore <- chisq_test(fit$rscore, p)
  list(n = fit$n, events = fit$nevent, loglik = as.list(fit$loglik), terms = terms, tests = tests)
}
`%||%` <- function(a, b) if (is.null(a)) b else a

zph_expected <- function(d, covariates, factors = character(), strata = NULL, ties = "efron", transform = "km") {
  d <- model_frame(d, covariates, factors)
  d$ev <- event01(d$status)
  rhs <- paste(paste0("`", covariates, "`"), collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(`", strata, "`)")
  fit <- coxph(as.formula(paste("Surv(time, ev) ~", rhs)), data = d, ties = ties)
  z <- cox.zph(fit, transform = transform, terms = TRUE)$table
  rows <- setdiff(rownames(z), "GLOBAL")
  list(terms = lapply(rows, function(r) list(term = gsub("`", "", r), chisq = z[r, "chisq"], df = z[r, "df"], p = z[r, "p"])),
       global = list(chisq = z["GLOBAL", "chisq"], df = z["GLOBAL", "df"], p = z["GLOBAL", "p"]))
}

finegray_expected <- function(d, time, status, covariates, factors = character(), cause = 1, fields = NULL) {
  d <- model_frame(d, covariates, factors)
  d <- d[complete.cases(d[, c(time, status, covariates)]), ]
  x <- model.matrix(as.formula(paste("~", paste(paste0("`", covariates, "`"), collapse = " + "))), d)[, -1, drop = FALSE]
  fit <- crr(d[[time]], d[[status]], x, failcode = cause, cencode = 0)
  b <- fit$coef
  se <- sqrt(diag(fit$var))
  z <- b / se
  names <- colnames(x)
  for (f in factors) names <- sub(paste0("^", f), paste0(f, "="), names)
  terms <- lapply(seq_along(b), function(i) {
    t <- list(term = names[i], coef = unname(b[i]), hr = unname(exp(b[i])), se = unname(se[i]), z = unname(z[i]),
              p = unname(2 * pnorm(-abs(z[i]))), lower = unname(exp(b[i] - qnorm(0.975) * se[i])),
              upper = unname(exp(b[i] + qnorm(0.975) * se[i])))
    if (is.null(fields)) t else t[c("term", fields)]
  })
  list(n = fit$n, terms = terms)
}

cases <- list()
add_case <- function(id, command, args, expected) {
  cases[[length(cases) + 1]] <<- list(id = id, command = command, args = args, expected = expected)
}

ties <- read("ties.csv")
alltied <- read("alltied.csv")
monotone <- read("monotone.csv")
ties_fg <- read("ties-fg.csv")
lung <- read("../lung.csv")
veteran <- read("../veteran.csv")
mgus2 <- read("../mgus2.csv")

add_case("ties-cox-efron-factor-strata-cluster", "cox",
  list(data = "ties.csv", time = "time", event = "status", covariates = "x1,x2,grp", factors = "grp", strata = "st", cluster = "id", ties = "efron"),
  cox_expected(ties, c("x1", "x2", "grp"), "grp", strata = "st", cluster = "id", ties = "efron"))
add_case("ties-cox-breslow-ref-cluster", "cox",
  list(data = "ties.csv", time = "time", event = "status", covariates = "x1,x2,grp", factors = "grp", ref = "grp=c", cluster = "id", ties = "breslow"),
  cox_expected(ties, c("x1", "x2", "grp"), "grp", ref = list(grp = "c"), cluster = "id", ties = "breslow"))
add_case("alltied-cox-efron", "cox", list(data = "alltied.csv", time = "time", event = "status", covariates = "x", ties = "efron"),
  cox_expected(alltied, "x", ties = "efron"))
add_case("alltied-cox-breslow", "cox", list(data = "alltied.csv", time = "time", event = "status", covariates = "x", ties = "breslow"),
  cox_expected(alltied, "x", ties = "breslow"))
add_case("lung-cox-strata-cluster-breslow", "cox",
  list(data = "../lung.csv", time = "time", event = "status", covariates = "age,ph.ecog", strata = "sex", cluster = "inst", ties = "breslow"),
  cox_expected(lung[complete.cases(lung[, c("time", "status", "age", "ph.ecog", "sex", "inst")]), ], c("age", "ph.ecog"),
               strata = "sex", cluster = "inst", ties = "breslow"))

# Monotone likelihood: group B has no events, coxph's coefficient runs off to −∞. cli.md's output
# reports that term as undefined (nulls, diverges "-inf") and flags the model; the other term and the
# likelihood-ratio and score tests are R's (the Wald test is not reported).
mono <- cox_expected(monotone, c("age", "g"), "g")
mono$terms[[2]] <- list(term = "g=B", coef = NULL, hr = NULL, se = NULL, robustSe = NULL, z = NULL, p = NULL,
                        lower = NULL, upper = NULL, diverges = "-inf")
mono$tests$wald <- NULL
mono$monotoneLikelihood <- TRUE
add_case("monotone-cox-flagged", "cox", list(data = "monotone.csv", time = "time", event = "status", covariates = "age,g", factors = "g"), mono)

add_case("veteran-zph-factor-rank-breslow", "zph",
  list(data = "../veteran.csv", time = "time", event = "status", covariates = "trt,celltype,karno", factors = "celltype", ties = "breslow", transform = "rank"),
  zph_expected(veteran, c("trt", "celltype", "karno"), "celltype", ties = "breslow", transform = "rank"))
add_case("lung-zph-strata-identity", "zph",
  list(data = "../lung.csv", time = "time", event = "status", covariates = "age,ph.ecog", strata = "sex", transform = "identity"),
  zph_expected(lung[complete.cases(lung[, c("time", "status", "age", "ph.ecog", "sex")]), ], c("age", "ph.ecog"),
               strata = "sex", transform = "identity"))
add_case("ties-zph-factor-strata-km", "zph",
  list(data = "ties.csv", time = "time", event = "status", covariates = "x1,grp", factors = "grp", strata = "st", transform = "km"),
  zph_expected(ties, c("x1", "grp"), "grp", strata = "st", transform = "km"))
add_case("mgus2-finegray-cause2-factor", "finegray",
  list(data = "../mgus2.csv", time = "etime", status = "event", covariates = "age,sex", factors = "sex", cause = 2),
  finegray_expected(mgus2, "etime", "event", c("age", "sex"), "sex", cause = 2))
add_case("ties-finegray", "finegray", list(data = "ties-fg.csv", time = "time", status = "cause", covariates = "x1"),
  finegray_expected(ties_fg, "time", "cause", "x1", fields = c("coef", "se", "p")))

writeLines(paste0("[\n", paste(vapply(cases, to_json, ""), collapse = ",\n"), "\n]"), out_file)
cat("wrote", length(cases), "cases to", out_file, "\n")
